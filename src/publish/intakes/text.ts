/** text/plain: the text is the message (`curl -d 'backup done' …`). */
import { Errors } from '../../errors.js';
import type { Draft, Intake } from '../draft.js';

export const textIntake: Intake = {
  name: 'text',
  detect: (body) => typeof body === 'string',
  read(body): Draft {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (text.trim() === '') throw Errors.invalidRequest('The message is empty.');
    return { source: 'text', text, level: 'info', mentions: {}, attributes: {}, format: 'text', bodies: { default: text } };
  },
};
