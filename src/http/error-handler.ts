/** The one place errors become responses: {"error": {"code", "message"}}. */
import type { NextFunction, Request, Response } from 'express';
import { Errors, HeraldError } from '../errors.js';
import type { Logger } from '../log.js';

interface ParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** body-parser's failures, mapped to the catalog */
/** body-parser's `limit`, in words: 1048576 → "1 MB". */
const inWords = (bytes: number) =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MB` : bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;

function fromParser(err: ParserError): HeraldError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return Errors.invalidJson('The body is not valid JSON: check quotes, commas and brackets.');
    case 'entity.too.large':
      // the admin API's JSON bodies (src/http/app.ts); the publish route words its own limit
      return Errors.payloadTooLarge(
        typeof err.limit === 'number' ? `The request body is larger than ${inWords(err.limit)}, the most this API takes.` : 'The request body is too large.',
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return Errors.unsupportedMediaType('The body encoding or charset is not supported; send UTF-8.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return Errors.invalidRequest('The body could not be read.');
    default:
      return undefined;
  }
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: HeraldError;
    if (err instanceof HeraldError) e = err;
    else {
      const parsed = fromParser(err as ParserError);
      if (parsed) e = parsed;
      else if ((err as ParserError)?.status && (err as ParserError).status! < 500) {
        e = Errors.invalidRequest();
      } else {
        log.error('request failed', { method: req.method, path: req.path, err });
        e = Errors.internal();
      }
    }
    if (res.headersSent) return;
    res.status(e.status).set(e.headers).json({ error: { code: e.code, message: e.message } });
  };
}

export function notFound(_req: Request, _res: Response) {
  throw Errors.notFound('Nothing is at this path; see GET /openapi.json for the API.');
}
