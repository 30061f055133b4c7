using GanService.Api.Apis;
using GanService.Api.Infrastructure;
using GanService.Domain;

// A bad setting stops the process with one line naming the key, not a stack trace.
SettingsException.ExitOnBadSettings();
var builder = WebApplication.CreateBuilder(args);
builder.AddGanServiceApi();

var app = builder.Build();
ValidatedSettings.ValidateNow(app.Services);
await app.InitializeGanServiceAsync();
app.UseGanServiceApi();

app.MapHealthApi();
app.MapSessionApi();
app.MapUsersApi();
app.MapKeysApi();
app.MapDatasetsApi();
app.MapDatasetReportApi();
app.MapRunsApi();
app.MapGenerationApi();
app.MapProjectionApi();
app.MapChartsApi();
app.MapSweepsApi();

app.Run();

/// Visible to WebApplicationFactory in the tests.
public partial class Program;
