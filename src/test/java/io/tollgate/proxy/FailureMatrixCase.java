package io.tollgate.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One cell of the failure matrix: what breaks, streamed or not, where it breaks, and what the client does;
 * and what docs/billing.md says must follow from that. The test only reads these expectations.
 */
record FailureMatrixCase(Kind kind, boolean stream, Where where, Client client) {

  /** Completion tokens the serving upstream is asked for, so "only what was generated" is checkable. */
  static final int TOKENS_WHEN_STAYING = 10;
  /** A longer, paced answer, so the client hangs up while the upstream is still generating. */
  static final int TOKENS_WHEN_DISCONNECTING = 40;
  /**
   * 500 ms between chunks: the client has that long after the role chunk to hang up before a scripted failure
   * strikes, and it stays below the idle timeout (1500 ms) of the chat-a channels.
   */
  private static final String PACE = ",tps=2";

  /**
   * What the scriptable upstream does wrong; the attempt outcome the gateway should record for it when streamed
   * ({@link #jsonOutcome} when not); and where in each mode the failure can strike.
   */
  enum Kind {
    HEALTHY("healthy", "", null, null, Set.of(Where.NOWHERE), Set.of(Where.NOWHERE)),
    NO_USAGE("no_usage=true", "no_usage=true", null, null, Set.of(Where.NOWHERE), Set.of(Where.NOWHERE)),
    STATUS_500("status=500", "status=500", "http_5xx", 500, Where.PRIMARY_OR_EVERY_LEG, Where.PRIMARY_OR_EVERY_LEG),
    STATUS_503("status=503", "status=503", "http_5xx", 503, Where.PRIMARY_OR_EVERY_LEG, Where.PRIMARY_OR_EVERY_LEG),
    STATUS_429("status=429", "status=429", "http_429", 429, Where.PRIMARY_OR_EVERY_LEG, Where.PRIMARY_OR_EVERY_LEG),
    TIMEOUT("timeout=true", "timeout=true", "timeout_first_byte", null, Where.PRIMARY_OR_EVERY_LEG,
        Where.PRIMARY_OR_EVERY_LEG),
    // streamed, the mock sends the role chunk before the broken line, so the failure is mid-stream
    MALFORMED("malformed=true", "malformed=true", "malformed_response", null, Where.PRIMARY_OR_EVERY_LEG,
        Set.of(Where.MID_STREAM)),
    // unstreamed, the mock closes the connection before the head: the gateway sees a failed send
    DROP("drop_after=3", "drop_after=3", "stream_broken", null, Where.PRIMARY_OR_EVERY_LEG, Set.of(Where.MID_STREAM)),
    // unstreamed, a 200 whose body is only an error: nothing usable arrived, so it is a malformed answer
    ERROR_EVENT("error_after=3", "error_after=3", "stream_broken", null, Where.PRIMARY_OR_EVERY_LEG,
        Set.of(Where.MID_STREAM)),
    // model frag: channel fragile's idle timeout is 400 ms, tps=2 leaves 500 ms between chunks
    IDLE_GAP("tps=2 on frag", "tps=2", "timeout_idle", null, Set.of(), Set.of(Where.MID_STREAM)),
    REQUEST_FAULT("status=400", "status=400", "http_4xx", 400, Set.of(Where.BEFORE_FIRST_BYTE),
        Set.of(Where.BEFORE_FIRST_BYTE));

    final String label;
    final String setting;
    final String outcome;
    final Integer status;
    final Set<Where> jsonWheres;
    final Set<Where> streamWheres;

    Kind(String label, String setting, String outcome, Integer status, Set<Where> jsonWheres, Set<Where> streamWheres) {
      this.label = label;
      this.setting = setting;
      this.outcome = outcome;
      this.status = status;
      this.jsonWheres = jsonWheres;
      this.streamWheres = streamWheres;
    }

    /** The attempt outcome of an unstreamed request that failed this way. */
    String jsonOutcome() {
      return switch (this) {
        case DROP -> "connect_error";
        case ERROR_EVENT -> "malformed_response";
        default -> outcome;
      };
    }
  }

  enum Where {
    BEFORE_FIRST_BYTE("before first byte, primary"),
    EVERY_LEG("before first byte, every leg"),
    MID_STREAM("mid-stream"),
    NOWHERE("no failure");

    static final Set<Where> PRIMARY_OR_EVERY_LEG = Set.of(BEFORE_FIRST_BYTE, EVERY_LEG);

    final String label;

    Where(String label) {
      this.label = label;
    }
  }

  enum Client {
    STAYS("client stays"),
    DISCONNECTS("client disconnects after the first chunk");

    final String label;

    Client(String label) {
      this.label = label;
    }
  }

  /** Every meaningful combination: disconnects need a stream, and a request fault or a dead route sends none. */
  static List<FailureMatrixCase> all() {
    List<FailureMatrixCase> cases = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (boolean stream : new boolean[] {false, true}) {
        for (Where where : Where.values()) {
          if (!(stream ? kind.streamWheres : kind.jsonWheres).contains(where)) {
            continue;
          }
          for (Client client : Client.values()) {
            boolean streamReachesClient = where != Where.EVERY_LEG && kind != Kind.REQUEST_FAULT;
            if (client == Client.STAYS || (stream && streamReachesClient)) {
              cases.add(new FailureMatrixCase(kind, stream, where, client));
            }
          }
        }
      }
    }
    return cases;
  }

  @Override
  public String toString() {
    return kind.label + " | " + (stream ? "stream" : "json") + " | " + where.label + " | " + client.label;
  }

  String model() {
    return kind == Kind.IDLE_GAP ? "frag" : "chat-a";
  }

  String primaryUpstream() {
    return kind == Kind.IDLE_GAP ? "up-frag" : "up-a-routed";
  }

  String backupUpstream() {
    return kind == Kind.IDLE_GAP ? "up-frag-backup" : "up-a-routed-backup";
  }

  boolean disconnects() {
    return client == Client.DISCONNECTS;
  }

  int tokens() {
    return disconnects() ? TOKENS_WHEN_DISCONNECTING : TOKENS_WHEN_STAYING;
  }

  /**
   * The x-mock header. A failure before the first byte breaks only the primary, and a second group scripts the
   * backup: its length and, when the client hangs up, a pace that keeps it generating when the client leaves.
   */
  String mockHeader() {
    String primaryOnly = ",when_model=" + primaryUpstream();
    String paced = disconnects() && kind != Kind.IDLE_GAP ? PACE : "";
    return switch (where) {
      case BEFORE_FIRST_BYTE -> kind.setting + primaryOnly + " | tokens=" + tokens() + paced;
      case EVERY_LEG -> kind.setting;
      case MID_STREAM -> kind.setting + ",tokens=" + tokens() + paced + primaryOnly;
      case NOWHERE -> (kind.setting.isEmpty() ? "" : kind.setting + ",") + "tokens=" + tokens() + paced;
    };
  }

  String body() {
    return "{\"model\":\"" + model() + "\",\"max_tokens\":50,\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about tollgates\"}]}";
  }

  /** The attempt outcome of the failure itself. */
  String failureOutcome() {
    return stream ? kind.outcome : kind.jsonOutcome();
  }

  /** Whether the backup is tried: only after a failure before the first byte that the request did not cause. */
  boolean fallsBack() {
    return where == Where.EVERY_LEG || (where == Where.BEFORE_FIRST_BYTE && kind != Kind.REQUEST_FAULT);
  }

  /** Whether a leg served the request (and so it is charged). */
  boolean served() {
    return where != Where.EVERY_LEG && kind != Kind.REQUEST_FAULT;
  }

  String receiptOutcome() {
    if (disconnects()) {
      return "client_disconnected";
    }
    return served() && where != Where.MID_STREAM ? "succeeded" : "failed";
  }

  /** The expected attempts, as "leg outcome". */
  List<String> attempts() {
    String servedOutcome = disconnects() ? "client_disconnected" : "ok";
    return switch (where) {
      case BEFORE_FIRST_BYTE -> kind == Kind.REQUEST_FAULT
          ? List.of("primary " + failureOutcome())
          : List.of("primary " + failureOutcome(), "backup-1 " + servedOutcome);
      case EVERY_LEG -> List.of("primary " + failureOutcome(), "backup-1 " + failureOutcome());
      case MID_STREAM -> List.of("primary " + (disconnects() ? "client_disconnected" : failureOutcome()));
      case NOWHERE -> List.of("primary " + servedOutcome);
    };
  }

  /** The leg that served, or null. */
  String servingLeg() {
    if (!served()) {
      return null;
    }
    return where == Where.BEFORE_FIRST_BYTE ? "backup-1" : "primary";
  }

  /** Measured only when the serving answer ran to its end and reported usage. */
  String usageSource() {
    boolean complete = !disconnects() && where != Where.MID_STREAM;
    return complete && kind != Kind.NO_USAGE ? "measured" : "estimated";
  }

  /** Whether the stream reached the client and must end with an error event. */
  boolean endsWithErrorEvent() {
    return stream && where == Where.MID_STREAM && !disconnects();
  }

  /** The status of the JSON error when no leg could serve: 504 when all timed out, 503 when all were rate limited. */
  int allFailedStatus() {
    return switch (kind) {
      case TIMEOUT -> 504;
      case STATUS_429 -> 503;
      default -> 502;
    };
  }

  String allFailedCode() {
    return switch (kind) {
      case TIMEOUT -> "upstream_timeout";
      case STATUS_429 -> "upstream_rate_limited";
      default -> "upstream_unavailable";
    };
  }
}
