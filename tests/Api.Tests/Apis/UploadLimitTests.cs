using System.Net;
using GanService.Api.Tests.Infrastructure;

namespace GanService.Api.Tests.Apis;

/// Runs with Uploads:MaxRequestMb = 1.
public sealed class UploadLimitTests(SmallLimitsApiFactory factory) : IClassFixture<SmallLimitsApiFactory>
{
    [Fact]
    public async Task A_request_over_the_limit_gets_413()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        var response = await client.PostAsync("/api/datasets", Fixtures.Upload("big", ("big.png", new byte[2 << 20])));
        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("MB", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_chunked_request_over_the_limit_gets_413_while_reading()
    {
        var (_, client, _) = await factory.CreateUserAsync();
        // No Content-Length: the limit is only seen while the body is read.
        var response = await client.PostAsync("/api/datasets", new ChunkedContent(Fixtures.Upload("big", ("big.png", new byte[2 << 20]))));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    private sealed class ChunkedContent : HttpContent
    {
        private readonly HttpContent _inner;

        public ChunkedContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
            Headers.ContentLength = null;
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
