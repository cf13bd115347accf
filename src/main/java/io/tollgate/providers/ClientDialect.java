package io.tollgate.providers;

import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.function.UnaryOperator;

/**
 * The protocol a client called the gateway in. The request path works in OpenAI's chat shape throughout; a dialect
 * turns the client's body into it on the way in, and the answer, the stream and errors back into the client's
 * shapes on the way out, after usage was read and credentials scrubbed.
 */
public interface ClientDialect {
  /** OpenAI's own shapes: nothing is translated. */
  ClientDialect OPENAI = new OpenAiDialect();

  /** The client's credential, read from the request's headers by name. */
  String credential(UnaryOperator<String> header);

  /** The OpenAI chat body for the client's {@code body}; throws an {@link ApiException} for a body it cannot take. */
  JsonObject toChat(JsonObject body);

  /** The client's answer for a chat completion; {@code encoded} is the completion as already encoded. */
  Buffer answer(JsonObject completion, Buffer encoded);

  /** The body of an error answer. */
  Buffer errorBody(ApiException error);

  /** Writes {@code error} as the whole answer, or cuts the connection when an answer already started. */
  default void sendError(HttpServerResponse response, ApiException error) {
    if (response.headWritten()) {
      if (!response.ended()) {
        response.reset();
      }
      return;
    }
    error.headers().forEach(response::putHeader);
    response.setStatusCode(error.status()).putHeader("content-type", "application/json").end(errorBody(error));
  }

  /** A writer for one streamed answer, in the client's events. */
  StreamWriter stream(String model);

  /** Turns a stream's OpenAI chunks into the client's server-sent events. */
  interface StreamWriter {
    /** The events for one chunk; {@code encoded} is the chunk as already encoded. May be empty. */
    Buffer chunk(JsonObject chunk, String encoded);

    /** The events that end a complete stream. */
    Buffer done();

    /** The event that ends a stream which broke after it started. */
    Buffer error(ApiException error);
  }

  /** OpenAI clients: the chunks as they are, {@code [DONE]} at the end, errors in OpenAI's shape. */
  final class OpenAiDialect implements ClientDialect, StreamWriter {
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

    private OpenAiDialect() {}

    @Override
    public String credential(UnaryOperator<String> header) {
      return header.apply("authorization");
    }

    @Override
    public JsonObject toChat(JsonObject body) {
      return body;
    }

    @Override
    public Buffer answer(JsonObject completion, Buffer encoded) {
      return encoded;
    }

    @Override
    public Buffer errorBody(ApiException error) {
      return ErrorRenderer.body(error).toBuffer();
    }

    @Override
    public void sendError(HttpServerResponse response, ApiException error) {
      ErrorRenderer.send(response, error);
    }

    @Override
    public StreamWriter stream(String model) {
      return this;
    }

    @Override
    public Buffer chunk(JsonObject chunk, String encoded) {
      return Buffer.buffer("data: " + encoded + "\n\n");
    }

    @Override
    public Buffer done() {
      return DONE.copy();
    }

    @Override
    public Buffer error(ApiException error) {
      return Buffer.buffer("data: " + ErrorRenderer.body(error).encode() + "\n\n");
    }
  }
}
