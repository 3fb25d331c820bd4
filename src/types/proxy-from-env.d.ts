/** proxy-from-env 2.x ships no types: https://github.com/Rob--W/proxy-from-env#readme */
declare module 'proxy-from-env' {
  /** The proxy URL for `url` from *_PROXY and NO_PROXY (either case), or '' to connect directly. */
  export function getProxyForUrl(url: string | URL): string;
}
