using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of an S3 server that passes everything through, except the first PUT whose request line
/// <see cref="_hold"/> picks: of that one it passes the headers and a little of the body, then holds the rest for good,
/// so a test can kill the uploader with the upload deterministically in flight. Or it answers the first requests that
/// <see cref="_fail"/> picks with 500 itself (a flaky S3). Bytes are passed as they are, so the requests' signatures
/// stay valid.
/// </summary>
public sealed class HoldingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly Func<string, bool> _hold;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Func<string, bool> _fail;
    private int _holding;
    private int _failuresLeft;

    public HoldingProxy(int targetPort, Func<string, bool> hold, Func<string, bool>? fail = null, int failures = 0)
    {
        (_target, _hold, _fail, _failuresLeft) = (targetPort, hold, fail ?? (_ => false), failures);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many requests were answered 500.</summary>
    public int Failed { get; private set; }

    /// <summary>The request line of the held PUT, once one is held.</summary>
    public TaskCompletionSource<string> Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var server = new TcpClient();
        lock (_connections) _connections.AddRange([client, server]);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            var up = PumpUpAsync(client.GetStream(), server.GetStream(), client.GetStream());
            var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception problem) when (problem is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // a side closed: the connection ends
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task PumpUpAsync(NetworkStream from, NetworkStream to, NetworkStream back)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0) return;
            var line = RequestLine(buffer, read);
            if (line is not null && _fail(line) && Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                Failed++;
                await back.WriteAsync(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: 85\r\nConnection: close\r\n\r\n" +
                    "<Error><Code>InternalError</Code><Message>We encountered an error.</Message></Error>\n"), _stop.Token);
                return; // the connection closes; the client tries again on a new one
            }
            if (line is not null && line.StartsWith("PUT ", StringComparison.Ordinal) && _hold(line) && Interlocked.Exchange(ref _holding, 1) == 0)
            {
                var headersEnd = Encoding.ASCII.GetString(buffer, 0, read).IndexOf("\r\n\r\n", StringComparison.Ordinal);
                var passed = headersEnd < 0 ? read : Math.Min(read, headersEnd + 4 + 512);
                await to.WriteAsync(buffer.AsMemory(0, passed), _stop.Token);
                Held.TrySetResult(line);
                await Task.Delay(Timeout.Infinite, _stop.Token); // the rest never goes
            }
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private static string? RequestLine(byte[] buffer, int count)
    {
        var head = Encoding.ASCII.GetString(buffer, 0, Math.Min(count, 512));
        var end = head.IndexOf("\r\n", StringComparison.Ordinal);
        return end > 0 && head.Contains(" HTTP/1.", StringComparison.Ordinal) ? head[..end] : null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_connections)
            foreach (var connection in _connections) connection.Dispose();
        _stop.Dispose();
    }
}
