// @ts-check
/** Reading the server's answers: an SSE stream of JSON chunks, and the message of an error response. */

/**
 * The `data:` payloads of an event stream, parsed, until `[DONE]`.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<any>}
 */
export async function* serverSentEvents(body) {
  const reader = body.getReader();
  const utf8 = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += utf8.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}

/**
 * The message of an OpenAI-style error body (`{ error: { message } }`), else the HTTP status.
 * @param {Response} res
 */
export async function errorText(res) {
  try {
    return (await res.json()).error.message;
  } catch {
    return `HTTP ${res.status}`;
  }
}
