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
    // wide enough that a URL or a sentence of a description is not broken in the middle on an 80-column default
    cli.setUsageHelpWidth(120);
    cli.setParameterExceptionHandler(Main::badArguments);
    return cli;
  }

  /**
   * picocli's answer to bad arguments, but naming a mistyped option first: picocli reports a required option as
   * missing before the unknown one that was meant for it ({@code --projet X}: "missing --project").
   */
  private static int badArguments(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    java.io.PrintWriter err = cmd.getErr();
    if (!(e instanceof CommandLine.UnmatchedArgumentException)) {
      java.util.Set<String> known = new java.util.HashSet<>();
      cmd.getCommandSpec().options().forEach(o -> known.addAll(java.util.List.of(o.names())));
      for (String arg : args) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        boolean number = name.matches("-\\d.*");
        if (name.startsWith("-") && !number && !name.equals("--") && !known.contains(name) && !cmd.getCommandSpec().subcommands().containsKey(name)) {
          err.println("Unknown option: '" + name + "'");
        }
      }
    }
    err.println(e.getMessage());
    if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      cmd.usage(err);
    }
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
