// The fake OpenAI-compatible server in its own process (as a real server would be), for llm-bench.
// Prints {"url": ...} once listening; each "stats" line on stdin prints and resets its counters.
import { createInterface } from 'node:readline';
import { startFakeOpenAI } from '../support/openai-server.js';
import { o200kPromptTokens } from '../support/openai-generation.js';

// The server's o200k table loads before it listens: its ~1 s parse would otherwise stall every
// request in flight at the start of a generation bench and be charged to the client under test.
o200kPromptTokens([{ content: 'warm up' }]);

const server = await startFakeOpenAI({ latencyMs: Number(process.argv[2] ?? 200) });
process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'stats') continue;
  const at = server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.at);
  process.stdout.write(
    JSON.stringify({
      calls: at.length,
      first: Math.min(...at),
      last: Math.max(...at),
      inFlightMax: server.inFlightMax,
    }) + '\n',
  );
  server.requests.length = 0;
  server.inFlightMax = 0;
}
await server.close();
