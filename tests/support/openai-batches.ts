import type { ServerResponse } from 'node:http';

/**
 * The files and batches endpoints of the fake OpenAI server: uploads are kept in memory; a batch
 * advances one state per retrieve (validating -> in_progress -> finalizing -> completed) and
 * answers every request line with the same deterministic grader as /v1/chat/completions.
 */
export interface BatchRoutes {
  handle(method: string, path: string, raw: Buffer, contentType: string, res: ServerResponse): boolean;
  files: Map<string, { filename: string; purpose: string; content: string }>;
  batches: Map<string, Record<string, any>>;
}

export function createBatchRoutes(
  grade: (body: any) => unknown,
  send: (res: ServerResponse, status: number, body: unknown) => void,
): BatchRoutes {
  const files = new Map<string, { filename: string; purpose: string; content: string }>();
  const batches = new Map<string, Record<string, any>>();
  let seq = 0;
  const now = () => Math.floor(Date.now() / 1000);
  const fileObj = (id: string) => {
    const f = files.get(id)!;
    return {
      id,
      object: 'file',
      bytes: Buffer.byteLength(f.content),
      created_at: now(),
      filename: f.filename,
      purpose: f.purpose,
      status: 'processed',
    };
  };

  const advance = (b: Record<string, any>) => {
    const order = ['validating', 'in_progress', 'finalizing', 'completed'];
    const i = order.indexOf(b.status);
    if (i < 0 || i === order.length - 1) return;
    b.status = order[i + 1];
    if (b.status !== 'completed') return;
    const lines = files
      .get(b.input_file_id)!
      .content.split('\n')
      .filter((l) => l.trim());
    const out: string[] = [];
    for (const l of lines) {
      const req = JSON.parse(l);
      out.push(
        JSON.stringify({
          id: `batch_req_${++seq}`,
          custom_id: req.custom_id,
          response: { status_code: 200, request_id: `req_${seq}`, body: grade(req.body) },
          error: null,
        }),
      );
    }
    const outId = `file-out-${++seq}`;
    files.set(outId, { filename: 'batch_output.jsonl', purpose: 'batch_output', content: out.join('\n') + '\n' });
    Object.assign(b, {
      output_file_id: outId,
      completed_at: now(),
      request_counts: { total: lines.length, completed: lines.length, failed: 0 },
    });
  };

  return {
    files,
    batches,
    handle(method, path, raw, contentType, res) {
      if (method === 'POST' && path === '/v1/files') {
        const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
        if (!boundary) {
          send(res, 400, {
            error: { message: 'expected multipart/form-data', type: 'invalid_request_error', param: null, code: null },
          });
          return true;
        }
        const parts = raw.toString('utf8').split(`--${boundary[1] ?? boundary[2]}`);
        const field = (name: string) => {
          const p = parts.find((x) => x.includes(`name="${name}"`));
          if (!p) return null;
          const body = p.slice(p.indexOf('\r\n\r\n') + 4);
          return {
            body: body.endsWith('\r\n') ? body.slice(0, -2) : body,
            filename: /filename="([^"]*)"/.exec(p)?.[1] ?? 'upload',
          };
        };
        const file = field('file');
        const purpose = field('purpose');
        if (!file) {
          send(res, 400, {
            error: {
              message: "Missing required parameter: 'file'.",
              type: 'invalid_request_error',
              param: 'file',
              code: null,
            },
          });
          return true;
        }
        const id = `file-${++seq}`;
        files.set(id, { filename: file.filename, purpose: purpose?.body ?? 'batch', content: file.body });
        send(res, 200, fileObj(id));
        return true;
      }
      const content = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
      if (method === 'GET' && content) {
        const f = files.get(content[1]);
        if (!f) {
          send(res, 404, {
            error: { message: 'No such File object', type: 'invalid_request_error', param: 'id', code: null },
          });
          return true;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(f.content);
        return true;
      }
      if (method === 'POST' && path === '/v1/batches') {
        const body = JSON.parse(raw.toString('utf8') || '{}');
        if (!files.has(body.input_file_id)) {
          send(res, 400, {
            error: {
              message: 'input_file_id not found',
              type: 'invalid_request_error',
              param: 'input_file_id',
              code: null,
            },
          });
          return true;
        }
        const id = `batch_${++seq}`;
        const b = {
          id,
          object: 'batch',
          endpoint: body.endpoint,
          input_file_id: body.input_file_id,
          completion_window: body.completion_window,
          status: 'validating',
          output_file_id: null,
          error_file_id: null,
          created_at: now(),
          request_counts: { total: 0, completed: 0, failed: 0 },
          metadata: body.metadata ?? null,
        };
        batches.set(id, b);
        send(res, 200, b);
        return true;
      }
      const one = /^\/v1\/batches\/([^/]+)$/.exec(path);
      if (method === 'GET' && one) {
        const b = batches.get(one[1]);
        if (!b) {
          send(res, 404, {
            error: { message: 'No such batch', type: 'invalid_request_error', param: 'id', code: null },
          });
          return true;
        }
        advance(b);
        send(res, 200, b);
        return true;
      }
      return false;
    },
  };
}
