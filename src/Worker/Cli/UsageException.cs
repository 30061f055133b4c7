namespace GanService.Worker.Cli;

/// <summary>The command line was wrong (not the data): reported with the usage text and exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
