package io.tollgate.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tollgate.config.ServerLimits;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Watches one HTTP/1.1 connection below Vert.x, where a request that never completes is still visible: the time
 * its request head and body take, its idle time between requests, whether its bytes are HTTP/1.1 at all, and
 * whether it fits under the connection caps. What it refuses it answers itself, in the OpenAI error shape, then
 * closes the connection; everything else passes through untouched.
 *
 * <p>Read timeouts run only while the connection owes the gateway bytes: from a head's first byte (or the
 * connection's start) to its end, and from there to the body's end. While a response is being written, however
 * long (a slow upstream, a long stream), no timer runs; once it is written, the idle timer does. All state lives
 * on the channel's event loop.
 */
final class ConnectionGuard {
  /** After its own answer, the guard stops writing and waits this long for the client to close before closing. */
  static final long LINGER_MS = 1_000;

  private enum Reading { HEAD, BODY, BETWEEN }

  private enum Timer { NONE, HEAD, BODY, IDLE }

  private final Channel channel;
  private final ServerLimits limits;
  private final ClientErrorLog errors;
  /** The context nearest the socket: bytes written here skip the HTTP encoder. */
  private ChannelHandlerContext wire;
  private Reading reading = Reading.HEAD;
  /** Requests passed on whose response has not ended. */
  private int unanswered;
  /** The oldest unanswered request's response has begun. */
  private boolean answerStarted;
  /** The request being read was answered before its body ended (a 415, say): a timeout now only closes. */
  private boolean answeredWhileReading;
  /** The guard answered on its own: what is read from now on is dropped, and the connection is closing. */
  private boolean closing;
  /** A refusal of a pipelined request, answered once the responses owed before it are written. */
  private ApiException deferred;
  private Timer armed = Timer.NONE;
  private ScheduledFuture<?> timer;

  private ConnectionGuard(Channel channel, ServerLimits limits, ClientErrorLog errors) {
    this.channel = channel;
    this.limits = limits;
    this.errors = errors;
  }

  /**
   * Guards {@code connection}: counts it under the caps (refusing it when over one) and watches its requests.
   * Called from the server's connection handler, on the connection's event loop, before it reads a byte.
   */
  static void install(HttpConnection connection, Connections connections) {
    // Vert.x 5 has no public hook into an HTTP/1.x connection's pipeline; its own connection handler reaches it
    // the same way, through the connection's ChannelHandlerContext.
    Channel channel = ((ConnectionBase) connection).channelHandlerContext().channel();
    ConnectionGuard guard = new ConnectionGuard(channel, connections.limits(), connections.errors());
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addFirst("tollgate-wire", guard.new Wire());
    pipeline.addBefore("handler", "tollgate-messages", guard.new Messages());
    InetAddress address = ((InetSocketAddress) channel.remoteAddress()).getAddress();
    switch (connections.admit(address)) {
      case ADMITTED -> {
        channel.closeFuture().addListener(f -> {
          connections.release(address);
          guard.cancelTimer();
        });
        guard.rearm();
      }
      case OVER_ADDRESS_CAP ->
          guard.answerAndClose(ConnectionErrors.tooManyConnectionsFromAddress(connections.limits().maxConnectionsPerAddress()));
      case OVER_TOTAL_CAP -> guard.answerAndClose(ConnectionErrors.tooManyConnections(connections.limits().maxConnections()));
    }
  }

  /** Raw bytes, first in the pipeline: notices the first byte of a request head, and drops all input once closing. */
  private final class Wire extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      wire = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (closing) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (reading == Reading.BETWEEN) {
        reading = Reading.HEAD;
        rearm();
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** Decoded requests going up to Vert.x, and responses coming down from it. */
  private final class Messages extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (closing) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpRequest request) {
        ApiException refusal = refusal(request);
        if (refusal != null) {
          ReferenceCountUtil.release(msg);
          errors.record(refusal.code());
          answerAndClose(refusal);
          return;
        }
        reading = Reading.BODY;
        unanswered++;
        answeredWhileReading = false;
        rearm();
      }
      if (msg instanceof HttpContent content) {
        if (content.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          ApiException refusal = ConnectionErrors.malformedChunk();
          errors.record(refusal.code());
          answerAndClose(refusal);
          return;
        }
        if (msg instanceof LastHttpContent) {
          reading = Reading.BETWEEN;
          rearm();
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean informational = msg instanceof HttpResponse response
          && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      if (!informational) {
        if (msg instanceof HttpResponse) {
          answerStarted = true;
        }
        if (msg instanceof LastHttpContent && unanswered > 0) {
          unanswered--;
          answerStarted = false;
          answeredWhileReading = reading == Reading.BODY;
          rearm();
        }
      }
      ctx.write(msg, promise);
      if (deferred != null && unanswered == 0) {
        ApiException refusal = deferred;
        deferred = null;
        answerAndClose(refusal);
      }
    }
  }

  /** Why the decoder's {@code request} is refused, or null when it may go on. */
  private static ApiException refusal(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return ConnectionErrors.malformedHead(request.decoderResult().cause());
    }
    HttpVersion version = request.protocolVersion();
    if (version.majorVersion() != 1 || version.minorVersion() > 1) {
      return ConnectionErrors.unsupportedVersion(version);
    }
    return null;
  }

  /** Arms the timer the connection's state calls for, unless it is the one already running. */
  private void rearm() {
    Timer wanted = switch (reading) {
      // a pipelined request waits for the response before it: Vert.x stops reading meanwhile, so no clock runs
      case HEAD -> unanswered == 0 ? Timer.HEAD : Timer.NONE;
      case BODY -> unanswered <= 1 ? Timer.BODY : Timer.NONE;
      case BETWEEN -> unanswered == 0 ? Timer.IDLE : Timer.NONE;
    };
    if (closing || wanted == armed) {
      return;
    }
    cancelTimer();
    armed = wanted;
    long delayMs = switch (wanted) {
      case HEAD -> limits.headerTimeoutMs();
      case BODY -> limits.bodyTimeoutMs();
      case IDLE -> limits.idleTimeoutMs();
      case NONE -> -1;
    };
    if (delayMs > 0) {
      timer = channel.eventLoop().schedule(() -> expire(wanted), delayMs, TimeUnit.MILLISECONDS);
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    armed = Timer.NONE;
  }

  private void expire(Timer which) {
    if (closing || armed != which) {
      return;
    }
    switch (which) {
      case HEAD -> answerAndClose(ConnectionErrors.headerTimeout(limits.headerTimeoutMs()));
      // a request already answered gets no second answer: the rest of its body is simply not waited for
      case BODY -> {
        if (answeredWhileReading) {
          channel.close();
        } else {
          answerAndClose(ConnectionErrors.bodyTimeout(limits.bodyTimeoutMs()));
        }
      }
      case IDLE -> channel.close();
      case NONE -> { }
    }
  }

  /**
   * Answers {@code error} when the connection's next bytes out would be read as the answer to the request in
   * question (no response has begun, none is owed to an earlier request; a refused pipelined request waits for
   * those before it), and otherwise just closes. After an answer it half-closes: the client reads the
   * answer and the end of stream, what it still sends is drained, and the connection closes when the client
   * closes or after {@link #LINGER_MS}, so an unread request does not turn the close into a reset.
   */
  private void answerAndClose(ApiException error) {
    boolean answerable = !answerStarted && (unanswered == 0 || (unanswered == 1 && reading == Reading.BODY));
    closing = true;
    cancelTimer();
    if (!answerable && reading != Reading.BODY && unanswered > 0) {
      // a later request on a pipelined connection: the responses owed before it are written first
      deferred = error;
      return;
    }
    if (!answerable || wire == null || !channel.isActive()) {
      channel.close();
      return;
    }
    channel.config().setAutoRead(true);
    wire.writeAndFlush(Unpooled.wrappedBuffer(ErrorRenderer.closingAnswer(error))).addListener(written -> {
      if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
        duplex.shutdownOutput();
        channel.eventLoop().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
      } else {
        channel.close();
      }
    });
  }
}
