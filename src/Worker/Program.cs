using Microsoft.Extensions.Hosting;

// No arguments: a queue worker (the queue arrives with issue 4; for now the host starts and idles).
var builder = Host.CreateApplicationBuilder(args);
using var host = builder.Build();
await host.RunAsync();
