/**
 * Reading Herald's answers, shared by the `herald` CLI and the web console (so nothing here may
 * need Node): the JSON body, or an ApiError carrying the server's stable code and its sentence.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function readAnswer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `Herald answered HTTP ${res.status}.`);
  }
  return data as T;
}

/** A delivery as GET /v1/messages/{id} and GET /v1/deliveries/failed list it. */
export interface DeliveryView {
  id: string;
  subscriptionId: string;
  protocol: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  parts?: number;
  lastError?: string;
  lastCode?: string | number;
  nextAttemptAt?: string;
  deliveredAt?: string;
  updatedAt?: string;
  /** each try at the platform, oldest first */
  history?: { at: string; ok: boolean; part?: number; error?: string; code?: string | number }[];
  replays?: number;
  replayedAt?: string;
  /** the platform's id of what was sent, where it gives one */
  platformMessageId?: string;
  /** set when this delivery edited an earlier card in place */
  editedMessageId?: string;
  /** the digest delivery that carried it (a robot at its limit, or quiet hours released) */
  digest?: string;
  /** a digest: the deliveries it carries, oldest first */
  carries?: string[];
  /** in the failed-deliveries list */
  messageId?: string;
  topic?: string;
}
