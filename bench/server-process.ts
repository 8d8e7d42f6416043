// The local model server in a process of its own, for the benchmark: in real use the model runs
// elsewhere, so its HTTP parsing and scripted answers should not take turns with the engine on one
// event loop (nor count in the engine's memory). It answers every judge call after `--latency-ms`,
// tells its URL over IPC, and answers "count" with the number of requests it has received.
import { parseArgs } from "node:util";
import { startModelServer } from "../test/support/model-server.js";
import { scripted } from "../test/support/scripted.js";
import { RULES } from "./tree.js";

const { values } = parseArgs({ options: { "latency-ms": { type: "string", default: "200" } } });
const latencyMs = Number(values["latency-ms"]);
const judge = scripted({ judge: RULES });
let received = 0;
const server = await startModelServer(async (req) => {
  received++;
  server.requests.length = 0; // keep no request bodies
  return { delayMs: latencyMs, then: await judge(req) };
});
process.send?.({ url: server.openaiBaseURL });
process.on("message", (message) => {
  if (message === "count") process.send?.({ count: received });
  if (message === "close") void server.close().then(() => process.exit(0));
});
