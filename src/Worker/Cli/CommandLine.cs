namespace GanService.Worker.Cli;

/// <summary>Dispatches <c>worker VERB [--options]</c> to the matching <see cref="ICommand"/>.</summary>
internal static class CommandLine
{
    public const int BadArguments = 2;

    /// <summary>Every verb.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new PrepareCommand(),
        new BenchCleanupCommand(),
        new SimulatePhotosCommand(),
        new TrainCommand(),
        new GenerateCommand(),
        new BenchCommand(),
        new BenchQueueCommand(),
        new BenchGenerateCommand(),
        new BenchDataCommand(),
        new FewShotExportCommand(),
        new ScoreCommand(),
    ];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        if (args[0] is "help" or "--help" or "-h")
        {
            WriteUsage(output);
            return 0;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            error.WriteLine($"unknown command '{args[0]}'");
            WriteUsage(error);
            return BadArguments;
        }

        try
        {
            var arguments = CommandArguments.Parse(args.Skip(1).ToList(), command.Options);
            return command.Run(arguments, output, error);
        }
        catch (UsageException problem)
        {
            error.WriteLine($"{command.Name}: {problem.Message}");
            WriteUsage(error, command);
            return BadArguments;
        }
    }

    private static void WriteUsage(TextWriter writer)
    {
        writer.WriteLine("usage: GanService.Worker                  run the queue worker");
        writer.WriteLine("       GanService.Worker COMMAND [OPTIONS]");
        writer.WriteLine();
        foreach (var command in Commands)
        {
            writer.WriteLine($"  {command.Name,-16}{command.Summary}");
        }
    }

    private static void WriteUsage(TextWriter writer, ICommand command)
    {
        writer.WriteLine($"usage: GanService.Worker {command.Name} [OPTIONS]   {command.Summary}");
        foreach (var option in command.Options)
        {
            writer.WriteLine($"  {option,-24}{option.Help}");
        }
    }
}
