using System.Net;
using System.Text.Json;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

public sealed class OperationsTests(SqliteApiFactory factory) : IClassFixture<SqliteApiFactory>
{
    [Fact]
    public async Task Health_routes_answer_without_a_key()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await (await client.GetAsync("/health/ready")).ReadJsonAsync<JsonElement>();
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal(["database", "storage"], ready.GetProperty("checks").EnumerateArray().Select(check => check.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public async Task Metrics_are_exposed_for_prometheus()
    {
        using var client = factory.CreateClient();
        await client.GetAsync("/health/live");
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("http_requests_received_total", metrics);
        Assert.Contains("endpoint=\"/health/live\"", metrics);
    }

    [Fact]
    public async Task Swagger_ui_serves_the_openapi_document_of_every_route()
    {
        using var client = factory.CreateClient();
        var ui = await client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger-ui", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var document = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths");
        string[] routes =
        [
            "/api/users", "/api/users/{id}", "/api/me", "/api/datasets", "/api/datasets/{id}", "/api/datasets/{id}/images",
            "/api/datasets/{id}/images/{imageId}", "/api/datasets/{id}/images/{imageId}/prepared", "/api/datasets/{id}/preview",
            "/api/runs", "/api/runs/{id}", "/api/runs/{id}/cancel", "/api/runs/{id}/fork", "/api/runs/{id}/metrics",
            "/api/runs/{id}/events", "/api/runs/{id}/samples", "/api/runs/{id}/samples/{iteration}", "/api/runs/{id}/checkpoints",
            "/api/runs/{id}/generate", "/api/runs/{id}/interpolate", "/api/runs/{id}/export", "/api/runs/{id}/charts/losses.png",
            "/api/sweeps", "/api/sweeps/{id}", "/api/sweeps/{id}/compare.png",
            "/health/live", "/health/ready",
        ];
        foreach (var route in routes) Assert.True(paths.TryGetProperty(route, out _), $"{route} is missing from the OpenAPI document");

        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
        // `iteration` of generate and interpolate: a number, "latest" or "best".
        var selector = document.GetProperty("components").GetProperty("schemas").GetProperty("CheckpointSelector").GetProperty("oneOf");
        Assert.Equal("integer", selector[0].GetProperty("type").GetString());
        Assert.Equal(["latest", "best"], selector[1].GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var upload = paths.GetProperty("/api/datasets").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        Assert.True(upload.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        var preview = paths.GetProperty("/api/datasets/{id}/preview").GetProperty("get");
        Assert.True(preview.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        var compare = paths.GetProperty("/api/sweeps/{id}/compare.png").GetProperty("get");
        Assert.True(compare.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        // Image routes declare their types, so that Swagger UI shows the picture.
        foreach (var (route, method, type) in new[]
                 {
                     ("/api/runs/{id}/generate", "post", "image/png"), ("/api/runs/{id}/generate", "post", "application/zip"),
                     ("/api/runs/{id}/interpolate", "post", "image/gif"), ("/api/runs/{id}/charts/losses.png", "get", "image/png"),
                     ("/api/runs/{id}/export", "get", "application/zip"),
                 })
            Assert.True(paths.GetProperty(route).GetProperty(method).GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty(type, out _), $"{route}: {type}");
        foreach (var route in new[] { "/api/runs/{id}/generate", "/api/runs/{id}/interpolate" })
            Assert.True(paths.GetProperty(route).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _), route);
        var sweep = paths.GetProperty("/api/sweeps").GetProperty("post");
        Assert.True(sweep.GetProperty("responses").GetProperty("202").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
    }

    [Fact]
    public async Task Every_json_body_in_the_openapi_document_has_an_example()
    {
        using var client = factory.CreateClient();
        var document = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync<JsonElement>();
        var missing = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject())
        {
            var bodies = new List<(string Where, JsonElement Content)>();
            if (operation.Value.TryGetProperty("requestBody", out var request)) bodies.Add(("request", request.GetProperty("content")));
            foreach (var response in operation.Value.GetProperty("responses").EnumerateObject())
                if (response.Name.StartsWith('2') && response.Value.TryGetProperty("content", out var content)) bodies.Add((response.Name, content));
            foreach (var (where, content) in bodies)
                if (content.TryGetProperty("application/json", out var json) && !json.TryGetProperty("example", out _))
                    missing.Add($"{operation.Name.ToUpperInvariant()} {path.Name} {where}");
        }
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Unknown_routes_answer_with_problem_details()
    {
        using var client = factory.CreateAdminClient();
        await (await client.GetAsync("/api/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/api/datasets/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_hangfire_dashboard_is_for_admins_only()
    {
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire")).StatusCode);
        var (_, user, _) = await factory.CreateUserAsync("not-an-admin");
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/hangfire")).StatusCode);

        using var admin = factory.CreateAdminClient();
        var dashboard = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("GanService queue", await dashboard.Content.ReadAsStringAsync());
    }
}

/// Readiness in server mode: PostgreSQL and the S3 bucket.
public sealed class ServerModeOperationsTests(PostgresApiFactory factory) : IClassFixture<PostgresApiFactory>
{
    [Fact]
    public async Task Ready_checks_the_database_and_the_s3_bucket()
    {
        using var client = factory.CreateClient();
        var ready = await (await client.GetAsync("/health/ready")).ReadJsonAsync<JsonElement>();
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal(["database", "storage"], ready.GetProperty("checks").EnumerateArray().Select(check => check.GetProperty("name").GetString()).Order());
    }
}

public sealed class UnreachableStorageTests(UnreachableS3ApiFactory factory) : IClassFixture<UnreachableS3ApiFactory>
{
    [Fact]
    public async Task Ready_answers_503_when_the_s3_server_is_unreachable()
    {
        using var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await (await client.GetAsync("/health/ready")).ReadJsonAsync<JsonElement>(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", ready.GetProperty("status").GetString());
        var storage = ready.GetProperty("checks").EnumerateArray().Single(check => check.GetProperty("name").GetString() == "storage");
        Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_request_that_needs_the_unreachable_store_gets_503_with_Retry_After_and_no_internals()
    {
        var (_, client, _) = await factory.CreateUserAsync("waiting");
        var response = await client.PostAsync("/api/datasets", Fixtures.Upload("blocked", (Fixtures.PhonePhotos[0], Fixtures.Read(Fixtures.PhonePhotos[0]))));
        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        var body = problem.ToString();
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("127.0.0.1:9", body, StringComparison.Ordinal); // no internal address
        Assert.Equal("[]", (await client.GetStringAsync("/api/datasets")).Trim()); // nothing half stored
    }
}
