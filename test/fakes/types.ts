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
  /**
   * Who the platform notifies, read from the body by the platform's own documented rules (DingTalk
   * `at`, Lark `<at>` tags, WeCom `mentioned_list` / `<@userid>` …). The conformance kit
   * (adapters/testing/) checks it against what was published; a fake of a platform without
   * mentions leaves it out.
   */
  mentions?: Notified;
}

/** Mentions as a person in the group sees them: everyone, these user ids, these phone numbers. */
export interface Notified {
  all: boolean;
  users: string[];
  mobiles: string[];
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
  /** make the next n requests fail with the platform's transient error (HTTP 500; SMTP 451 …) */
  failNext(n: number): void;
  /**
   * The robot is removed from its group (or its webhook deleted): later posts to it get the
   * platform's own answer for that, which Herald must treat as permanent.
   */
  removeRobot?(endpoint: string): void;
  close(): Promise<void>;
}
