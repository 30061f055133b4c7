using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;

namespace GanService.Api.Tests.Infrastructure;

public static class HttpAssertions
{
    /// Asserts the status and that the body is RFC 9457 ProblemDetails with that status; returns it.
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// Asserts a 400 ValidationProblem whose errors name the field; returns the problem.
    public static async Task<JsonElement> AssertValidationProblemAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"no error for '{field}': {problem}");
        return problem;
    }

    public static async Task<T> ReadJsonAsync<T>(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    /// Asserts a PNG body and decodes it.
    public static async Task<SKBitmap> ReadPngAsync(this HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"Expected success, got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
        return SKBitmap.Decode(bytes);
    }
}

public sealed record DatasetCreated(Guid Id, string Name, int ImageCount, int Channels, long StorageBytes,
    List<Rejected> Rejected, List<Duplicate> Duplicates);

public sealed record Rejected(string FileName, string Reason);

public sealed record Duplicate(string FileName, string DuplicateOf);

public sealed record DatasetInfo(Guid Id, string Name, int ImageCount, int IncludedCount, int Channels, long StorageBytes);

public sealed record ImageInfo(Guid Id, string FileName, int Width, int Height, List<string> Tags, string? Label, bool Excluded);
