import { exitQuietlyOnBrokenPipe, main } from "./main.js";

exitQuietlyOnBrokenPipe();
process.exitCode = await main(process.argv.slice(2));
