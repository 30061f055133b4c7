using GanService.Worker.Cli;
using Microsoft.Extensions.Hosting;

// With arguments: a local command line (prepare, bench-cleanup, ...), see Cli/CommandLine.cs.
if (args.Length > 0)
{
    return CommandLine.Run(args, Console.Out, Console.Error);
}

// No arguments: a queue worker (the queue arrives with issue 4; for now the host starts and idles).
var builder = Host.CreateApplicationBuilder(args);
using var host = builder.Build();
await host.RunAsync();
return 0;
