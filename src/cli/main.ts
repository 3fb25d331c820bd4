/** Process entry of the `herald` command (bin/herald.js runs the compiled copy of this file). */
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(text),
  stdin: process.stdin,
  env: process.env,
  tty: !!process.stderr.isTTY,
});
if (code !== undefined) process.exitCode = code;
