using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Generation;
using GanService.Api.Infrastructure;
using GanService.Domain.Data;
using Microsoft.Extensions.DependencyInjection;
using static GanService.Api.Tests.Infrastructure.RunHelpers;

namespace GanService.Api.Tests.Infrastructure;

/// One image request at a time and none waiting, so that a second one is over the limit.
public sealed class OneGenerationApiFactory : GanApiFactory
{
    protected override IReadOnlyDictionary<string, string?> DatabaseSettings => new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" };

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:GenerationConcurrency"] = "1",
        ["RateLimits:GenerationQueue"] = "0",
    };
}

/// Generate requests past the admission limit are refused at once with 429 and Retry-After, not left waiting.
public sealed class GenerationAdmissionTests(OneGenerationApiFactory factory) : IClassFixture<OneGenerationApiFactory>
{
    [Fact]
    public async Task A_generate_request_over_the_limit_gets_429_with_Retry_After_while_the_admitted_one_and_a_later_one_succeed()
    {
        var (_, client, _) = await factory.CreateUserAsync("busy");
        var runId = (await StartRunAsync(client, await UploadDatasetAsync(client), TinyConfig(iterations: 20))).Id();
        await WaitForStatusAsync(client, runId, RunStatus.Completed);
        var admission = factory.Services.GetRequiredService<GenerationAdmission>();
        var cache = factory.Services.GetRequiredService<GeneratorCache>();

        // Hold the forward gate, so that the admitted request stays in flight (holding its permit) until released.
        using var release = new ManualResetEventSlim();
        using var holding = new SemaphoreSlim(0);
        var held = Task.Run(() => cache.ComputeAsync(() => { holding.Release(); release.Wait(TimeSpan.FromSeconds(60)); return 0; }, new ServerTiming(), CancellationToken.None));
        Assert.True(await holding.WaitAsync(TimeSpan.FromSeconds(30)), "the forward gate was not taken");

        HttpResponseMessage refused;
        Task<HttpResponseMessage> admitted;
        try
        {
            admitted = client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 1 });
            // Not a timer: wait until the limiter itself says the one permit is taken.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (admission.AvailablePermits > 0 && !admitted.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(10);
            Assert.False(admitted.IsCompleted, "the first request did not wait for the held gate");
            Assert.Equal(0, admission.AvailablePermits);

            refused = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 2 });
            var interpolateRefused = await client.PostAsJsonAsync($"/api/runs/{runId}/interpolate", new { seedFrom = 1, seedTo = 2, steps = 2 });
            Assert.Equal(HttpStatusCode.TooManyRequests, interpolateRefused.StatusCode);
            // Other routes are not held up by generation.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/runs/{runId}")).StatusCode);
        }
        finally
        {
            release.Set();
        }
        await held;

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 600);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("Generation is busy", problem.GetProperty("detail").GetString());
        Assert.Contains($"{(int)retryAfter.Value.TotalSeconds} s", problem.GetProperty("detail").GetString());

        var first = await admitted;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/png", first.Content.Headers.ContentType?.MediaType);
        // With the permit back (the limiter returns it just after the response), the next one is let in.
        var returned = DateTime.UtcNow.AddSeconds(30);
        while (admission.AvailablePermits == 0 && DateTime.UtcNow < returned) await Task.Delay(10);
        var later = await client.PostAsJsonAsync($"/api/runs/{runId}/generate", new { count = 4, seed = 2 });
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }
}
