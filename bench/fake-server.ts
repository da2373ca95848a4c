/**
 * The fake Bedrock endpoint in its own process, so that CPU and memory figures of the handler process leave out
 * the model. Prints its URL, answers every request with `deltas` text deltas as fast as the client reads.
 */
import { answer, FakeBedrock } from '../src/local/fake-bedrock';

const deltas = Number(process.argv[2] ?? 10_000);
const tokens = Array.from({ length: deltas }, (_, i) => `token${i % 100} `);
void new FakeBedrock(() => answer(tokens)).start().then((fake) => process.stdout.write(`${fake.url}\n`));
