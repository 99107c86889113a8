// Preloaded into a child process to prove it touches no network: any socket connect or fetch throws.
const net = require('node:net');
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : {};
  // NOTE: local IPC (pipes / unix sockets used by Node internals) is allowed; TCP is not.
  if (opts.path) return original.apply(this, args);
  throw new Error(`network access attempted: ${JSON.stringify(args[0])}`);
};
globalThis.fetch = async (url) => {
  throw new Error(`network access attempted: fetch ${url}`);
};
