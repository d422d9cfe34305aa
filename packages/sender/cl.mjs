import * as Comlink from 'comlink';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
Comlink.expose({ add: (a, b) => a + b, cb: async (f) => { await f(5); return 1; } }, port2);
const api = Comlink.wrap(port1);
console.log(await api.add(2, 3), await api.cb(Comlink.proxy((x) => console.log('proxy got', x))));
port1.close(); 
