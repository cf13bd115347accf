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
      java.util.Map<String, CommandLine.Model.OptionSpec> known = new java.util.HashMap<>();
      cmd.getCommandSpec().options().forEach(o -> java.util.Arrays.stream(o.names()).forEach(n -> known.put(n, o)));
      java.util.Set<String> unknown = new java.util.LinkedHashSet<>();
      boolean valueNext = false;
      for (String arg : args) {
        if (arg.equals("--")) {
          break; // what follows is positional, whatever it looks like
        }
        if (valueNext) {
          valueNext = false; // the value of the option before it, even one that starts with '-' ("--note -")
          continue;
        }
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        CommandLine.Model.OptionSpec option = known.get(name);
        if (option != null) {
          valueNext = !arg.contains("=") && option.arity().max() > 0;
        } else if (name.startsWith("-") && !name.matches("-\\d.*") && !cmd.getCommandSpec().subcommands().containsKey(name)) {
          unknown.add(name);
        }
      }
      unknown.forEach(name -> err.println("Unknown option: '" + name + "'"));
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
