import { Option } from 'commander';
import { InputError } from '../errors.js';
import { type AnswerKey, answerKeys, type InstallAnswers, specOf } from '../plan/answers.js';
import { SecretValue } from '../plan/secret-value.js';

/**
 * The options commander parsed from addClusterOptions + addPlanOptions, by commander's attribute
 * name (`--db-password-stdin` is `dbPasswordStdin`).
 */
export type PlanFlags = Record<string, unknown>;

/** The attribute commander stores each answer's flag under. */
const attributeOf = Object.fromEntries(
  answerKeys.map((key) => [key, new Option(specOf(key).flag).attributeName()]),
) as Record<AnswerKey, string>;

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Flags -> answers. The password comes only from standard input (`--db-password-stdin`), read
 * whole, with one trailing newline removed as `echo` or a file adds it.
 */
export async function answersFromFlags(
  flags: PlanFlags,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<InstallAnswers> {
  let dbPassword: SecretValue | undefined;
  if (flags[attributeOf.dbPassword]) {
    if (stdin.isTTY) {
      throw new InputError(
        '--db-password-stdin reads the password from standard input, which is a terminal here.',
        'Pipe it in: prefect-server install ... --db-password-stdin < password-file',
      );
    }
    const text = (await readStdin(stdin)).replace(/\r?\n$/, '');
    if (text === '') throw new InputError('--db-password-stdin: standard input was empty.');
    dbPassword = new SecretValue(text);
  }
  const list = (value: unknown) =>
    typeof value !== 'string'
      ? undefined
      : value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean);
  const answers: Record<string, unknown> = {};
  for (const key of answerKeys) {
    const kind = specOf(key).kind;
    const value = flags[attributeOf[key]];
    answers[key] = kind === 'secret' ? dbPassword : kind === 'list' ? list(value) : value;
  }
  return answers as InstallAnswers;
}
