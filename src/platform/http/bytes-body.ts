/**
 * A serialised body (a cached Buffer) as a Response body, without decoding it to a string
 * first: @hono/node-server writes a Uint8Array body to the socket as it is, where a string
 * is decoded here only to be encoded again there (70 KB of client features, say). The view
 * shares the Buffer's memory; the cast restates that a Buffer's memory is a plain
 * ArrayBuffer, which the DOM typing of BodyInit insists on.
 */
export function bytesBody(body: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
}
