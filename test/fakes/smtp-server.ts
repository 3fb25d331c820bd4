/**
 * A local mail server (nodemailer's smtp-server) that checks what Herald sends, written from the
 * SMTP and message-format RFCs and the email adapter's contract in SPEC.md (adapters/email/README.md),
 * not from the adapter: AUTH with the configured user → MAIL FROM the configured sender → RCPT TO
 * known mailboxes (550 5.1.1 for unknown ones, 451 4.7.1 at greylist.test) → the message itself
 * parsed by mailparser: Subject "[LEVEL] subject", a text/plain and a text/html part, Message-ID,
 * Date, From. A message that fails a check is refused with 554 5.6.0 and recorded as a rejection.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { FakePlatform, FakeRobot, Received, Rejection } from './types.js';

const SUBJECT = /^\[(INFO|SUCCESS|WARNING|ERROR|CRITICAL)\] \S/;
const MAX_SIZE = 10 * 1024 * 1024;

export interface SmtpFakeOptions {
  user?: string;
  pass?: string;
  /** the only sender this server relays for */
  from: string;
}

export interface SmtpFake extends FakePlatform {
  /** smtp://user:pass@127.0.0.1:port */
  smtpUrl: string;
  /** the parsed messages, in arrival order */
  mails(): ParsedMail[];
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

export async function startSmtpFake(opts: SmtpFakeOptions): Promise<SmtpFake> {
  const mailboxes = new Set<string>();
  const received: Received[] = [];
  const rejections: Rejection[] = [];
  const mails: ParsedMail[] = [];
  let failures = 0;
  let seq = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: !opts.user,
    allowInsecureAuth: true,
    size: MAX_SIZE,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.pass) return cb(null, { user: auth.username });
      rejections.push({ at: Date.now(), endpoint: 'auth', code: 535 });
      cb(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(address, _session, cb) {
      if (failures > 0) {
        failures--;
        return cb(smtpError(421, '4.3.2 Service not available, closing transmission channel'));
      }
      if (address.address.toLowerCase() !== opts.from.toLowerCase()) {
        rejections.push({ at: Date.now(), endpoint: `mailto:${address.address}`, code: 553 });
        return cb(smtpError(553, '5.7.1 Sender address rejected: not owned by user'));
      }
      cb();
    },
    onRcptTo(address, _session, cb) {
      const a = address.address.toLowerCase();
      if (a.endsWith('@greylist.test')) return cb(smtpError(451, '4.7.1 Greylisted, please try again later'));
      if (!mailboxes.has(a)) {
        rejections.push({ at: Date.now(), endpoint: `mailto:${a}`, code: 550 });
        return cb(smtpError(550, "5.1.1 The email account that you tried to reach does not exist"));
      }
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          const rcpts = session.envelope.rcptTo.map((r) => `mailto:${r.address.toLowerCase()}`);
          const problem = check(mail);
          if (problem) {
            for (const endpoint of rcpts) rejections.push({ at: Date.now(), endpoint, code: 554 });
            return cb(smtpError(554, `5.6.0 Message rejected: ${problem}`));
          }
          mails.push(mail);
          for (const endpoint of rcpts) received.push({ at: Date.now(), endpoint, body: mail, text: `${mail.subject}\n${mail.text ?? ''}` });
          cb();
        })
        .catch((err: Error) => cb(smtpError(554, `5.6.0 Message unreadable: ${err.message}`)));
    },
  });

  function check(mail: ParsedMail): string | undefined {
    if (!mail.subject || !SUBJECT.test(mail.subject)) return `Subject "${mail.subject}" is not "[LEVEL] subject"`;
    if (!mail.text?.trim()) return 'no text/plain part';
    if (typeof mail.html !== 'string' || !/<html|<p|<div/i.test(mail.html)) return 'no text/html part';
    if (!mail.messageId) return 'no Message-ID';
    if (!mail.date) return 'no Date';
    if (mail.from?.value[0]?.address?.toLowerCase() !== opts.from.toLowerCase()) return 'From is not the configured sender';
    return undefined;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const auth = opts.user ? `${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.pass ?? '')}@` : '';
  return {
    protocol: 'email',
    baseUrl: `smtp://127.0.0.1:${port}`,
    smtpUrl: `smtp://${auth}127.0.0.1:${port}`,
    addRobot(): FakeRobot {
      const address = `box-${++seq}-${Date.now().toString(36)}@example.test`;
      mailboxes.add(address);
      return { endpoint: `mailto:${address}` };
    },
    removeRobot(endpoint) {
      for (const a of endpoint.replace(/^mailto:/, '').split(',')) mailboxes.delete(a.toLowerCase());
    },
    received: (e) => received.filter((r) => !e || r.endpoint === e),
    rejections: (e) => rejections.filter((r) => !e || r.endpoint === e),
    mails: () => mails,
    failNext(n) {
      failures = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
