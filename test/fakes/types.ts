/**
 * What every fake platform server in test/fakes offers, so one table of cases can run against
 * every adapter. Each fake is written from ../shared/research, not from the adapter it judges:
 * it checks what the real platform checks and answers with the platform's real codes.
 */
export interface FakeRobotOptions {
  /** signing secret the robot was created with (DingTalk "加签", Lark "签名校验") */
  secret?: string;
  /** custom keywords: a message must contain one */
  keywords?: string[];
  /** override the platform's rate limit for quick tests: max per window of perMs */
  rateLimit?: { max: number; perMs: number };
}

export interface FakeRobot {
  /** the webhook URL as the group admin copies it from the platform */
  endpoint: string;
  secret?: string;
}

export interface Received {
  /** ms since epoch when the fake accepted it */
  at: number;
  /** robot endpoint it was posted to */
  endpoint: string;
  /** parsed JSON body */
  body: any;
  /** every string in the message, joined: what a person in the group reads */
  text: string;
}

export interface Rejection {
  at: number;
  endpoint: string;
  /** the platform code answered (errcode / code / HTTP status) */
  code: number;
}

export interface FakePlatform {
  readonly protocol: string;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  addRobot(opts?: FakeRobotOptions): FakeRobot;
  /** accepted messages, in arrival order (optionally for one robot) */
  received(endpoint?: string): Received[];
  rejections(endpoint?: string): Rejection[];
  /** make the next n requests fail with HTTP 500 (transient error) */
  failNext(n: number): void;
  close(): Promise<void>;
}
