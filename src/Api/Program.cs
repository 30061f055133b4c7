using GanService.Api.Apis;
using GanService.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddGanServiceApi();

var app = builder.Build();
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
