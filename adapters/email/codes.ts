/**
 * What an SMTP failure means (RFC 5321 §4.2.1): a 4yz reply is transient ("the command was not
 * accepted … the error condition is temporary"), a 5yz reply permanent. nodemailer reports the
 * reply as `responseCode`/`response`, and connection-level failures as `code`
 * (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, EAUTH, EENVELOPE …). README.md has the table.
 */
import type { Outcome } from '../types.js';

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

const CONFIG = 'HERALD_SMTP_URL';

/** 5yz reply → what a person should do. */
function permanentHint(code: number, response: string): string {
  if (code === 535 || code === 534 || code === 530) return `the mail server refused Herald's login: check the user and password in ${CONFIG}`;
  if (code === 550 || code === 551 || code === 553 || /mailbox|user unknown|no such user|recipient/i.test(response)) {
    return "the mail server refused a recipient: check the subscription's addresses";
  }
  if (code === 552) return 'the mail server says the message is too large';
  if (code === 554 && /relay/i.test(response)) return `the mail server does not relay for Herald: check ${CONFIG} and HERALD_SMTP_FROM`;
  return 'the mail server refused the message';
}

export function classifySmtp(err: unknown): Outcome {
  const e = (err ?? {}) as SmtpError;
  const response = String(e.response ?? '').replace(/\s+/g, ' ').slice(0, 200);
  const said = response ? ` (SMTP: ${response})` : '';
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined && code >= 400 && code < 500) {
    return { ok: false, kind: 'transient', code, message: `the mail server asked Herald to try again later${said}` };
  }
  if (code !== undefined && code >= 500) return { ok: false, kind: 'permanent', code, message: `${permanentHint(code, response)}${said}` };
  switch (e.code) {
    case 'EAUTH':
      return { ok: false, kind: 'permanent', code: 'EAUTH', message: `the mail server refused Herald's login: check the user and password in ${CONFIG}` };
    case 'EENVELOPE':
      return { ok: false, kind: 'permanent', code: 'EENVELOPE', message: "the mail server accepted none of the subscription's addresses" };
    case 'ETLS':
      return { ok: false, kind: 'transient', code: 'ETLS', message: `the TLS handshake with the mail server failed: check smtp:// or smtps:// and the port in ${CONFIG}` };
    default:
      // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ECONNRESET…: the server may be back soon
      return { ok: false, kind: 'transient', code: e.code ?? 'ESMTP', message: `could not talk to the mail server (${e.code ?? 'error'}): check ${CONFIG}` };
  }
}
