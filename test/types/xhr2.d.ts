// xhr2 ships no types: it is an XMLHttpRequest for Node, used to run the
// browser-only botframework-directlinejs client in tests.
declare module 'xhr2' {
  const XMLHttpRequest: typeof globalThis.XMLHttpRequest;
  export default XMLHttpRequest;
}
