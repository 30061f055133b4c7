namespace GanService.Worker.Cli;

/// <summary>One verb of the worker's command line. Register new ones in <see cref="CommandLine.Commands"/>.</summary>
internal interface ICommand
{
    /// <summary>The verb as typed, e.g. <c>prepare</c>.</summary>
    string Name { get; }

    /// <summary>One line: what the command does.</summary>
    string Summary { get; }

    /// <summary>The options this command accepts; anything else is rejected before <see cref="Run"/>.</summary>
    IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>
    /// Runs the command and returns its exit code. Bad arguments throw <see cref="UsageException"/> (exit 2).
    /// The last line written to <paramref name="output"/> must be one JSON object with the command's figures.
    /// </summary>
    int Run(CommandArguments arguments, TextWriter output, TextWriter error);
}
