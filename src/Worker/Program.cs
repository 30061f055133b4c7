using GanService.Domain;
using GanService.Domain.Data;
using GanService.Domain.Jobs;
using GanService.Worker.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// With arguments: a local command line (train, generate, prepare, bench, ...), see Cli/CommandLine.cs.
if (args.Length > 0)
{
    return CommandLine.Run(args, Console.Out, Console.Error);
}

// No arguments: a queue worker. It shares the API's configuration (database, storage) and serves the training queue
// with one worker per GPU, or one CPU trainer. On SIGTERM it checkpoints its run and gives it back before exiting.
// A bad setting stops the process with one line naming the key, not a stack trace.
SettingsException.ExitOnBadSettings();
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddGanServiceDomain(builder.Configuration);
builder.Services.AddGanServiceJobs(builder.Configuration, serveQueue: true);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(2));
using var host = builder.Build();
ValidatedSettings.ValidateNow(host.Services);
await using (var scope = host.Services.CreateAsyncScope())
{
    await DatabaseSchema.EnsureCurrentAsync(scope.ServiceProvider.GetRequiredService<GanDbContext>());
}
await host.RunAsync();
return 0;
