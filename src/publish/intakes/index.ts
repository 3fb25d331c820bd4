/** Intakes in the order they are tried; the most specific shapes come first. */
import type { Intake } from '../draft.js';
import { jsonIntake } from './json.js';
import { textIntake } from './text.js';

export const intakes: readonly Intake[] = [jsonIntake, textIntake];
