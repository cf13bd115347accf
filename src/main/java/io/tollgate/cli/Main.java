package io.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tollgate} command. */
@Command(
    name = "tollgate",
    mixinStandardHelpOptions = true,
    version = "tollgate 0.1.0",
    description = "An OpenAI-compatible LLM gateway where routing and accounting are one thing.",
    subcommands = {
        ServeCommand.class,
        InitCommand.class,
        AccountsCommand.class,
        ProjectsCommand.class,
        KeysCommand.class,
        UsersCommand.class,
        LedgerCommand.class,
        LimitsCommand.class,
        AdminCommand.class,
        AdminTokenCommand.class,
        ConfigCommand.class,
        MigrateCommand.class,
        DemoCommand.class,
        MockUpstreamCommand.class,
        ResearchCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || !ServeCommand.keepsRunning()) {
      System.exit(code);
    }
  }

  /** The configured command line: a failure in a command prints one {@code error:} line, not a stack trace. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + e.getMessage());
      return 1;
    });
    MockUpstreamCommand.listSettings(cli.getSubcommands().get("mock-upstream"));
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
