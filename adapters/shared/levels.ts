/** How a level reads in a message: an emoji people recognise and the level's word. */
import type { Level } from '../types.js';

export const LEVEL_EMOJI: Record<Level, string> = {
  info: 'ℹ️',
  success: '✅',
  warning: '⚠️',
  error: '❌',
  critical: '🚨',
};

export const levelWord = (level: Level): string => level.toUpperCase();
