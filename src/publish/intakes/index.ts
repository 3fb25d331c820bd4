/** Intakes in the order they are tried; the most specific shapes come first. */
import type { Intake } from '../draft.js';
import { alertmanagerIntake } from './alertmanager.js';
import { grafanaIntake } from './grafana.js';
import { jsonIntake } from './json.js';
import { textIntake } from './text.js';

export const intakes: readonly Intake[] = [alertmanagerIntake, grafanaIntake, jsonIntake, textIntake];
