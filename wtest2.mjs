import http from 'node:http';
import OpenAI from 'openai';
const srv = http.createServer((req, res) => { let b=''; req.on('data', d => b+=d); req.on('end', () => { res.setHeader('content-type','application/json'); res.end(JSON.stringify({id:'x',object:'chat.completion',created:0,model:'m',choices:[{index:0,message:{role:'assistant',content:'hi'},finish_reason:'stop'}]})); }); });
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const warm = process.argv[2] === 'warm';
const t0 = performance.now();
if (warm) { void globalThis.fetch; const r = new Response('{"a":1}', { headers: { 'content-type': 'application/json' } }); await r.json(); new Request('http://127.0.0.1/', { method: 'POST', body: '{}', headers: { a: 'b' } }); }
const t1 = performance.now();
const client = new OpenAI({ baseURL: `http://127.0.0.1:${srv.address().port}/v1`, apiKey: 'k', maxRetries: 0 });
for (let i = 0; i < 3; i++) { const a = performance.now(); await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).withResponse(); console.log(warm ? 'warm' : 'cold', 'warmup', (t1 - t0).toFixed(1), 'call', i, (performance.now() - a).toFixed(1), 'ms'); }
srv.close();
