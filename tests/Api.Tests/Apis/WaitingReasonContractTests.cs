using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

/// <summary>`waitingReason` on a run: in the OpenAPI document, and null for a run that waits for nothing.</summary>
public sealed class WaitingReasonContractTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task The_run_response_documents_waitingReason_and_a_fresh_run_has_none()
    {
        using var anonymous = factory.CreateClient();
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var run = document.GetProperty("components").GetProperty("schemas").GetProperty("RunResponse").GetProperty("properties");
        Assert.True(run.TryGetProperty("waitingReason", out _), "RunResponse has no waitingReason in the OpenAPI document");

        var (_, client, _) = await factory.CreateUserAsync("waiting-contract");
        var datasetId = await RunHelpers.UploadDatasetAsync(client);
        var created = await RunHelpers.StartRunAsync(client, datasetId, RunHelpers.TinyConfig(iterations: 20));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("waitingReason").ValueKind);
    }
}
