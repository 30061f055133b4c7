using System.Runtime.InteropServices;
using GanService.Domain.Imaging;
using SkiaSharp;
using Xunit.Abstractions;

namespace GanService.Domain.Tests.Imaging;

public class GifEncoderTests(ITestOutputHelper output)
{
    [Fact]
    public void Gray_frames_decode_to_exactly_the_input_pixels()
    {
        // 101x67: not a multiple of 8, so rows do not line up with bytes or LZW codes.
        const int width = 101, height = 67;
        var random = new Random(1234);
        var noise = Gray(width, height, (_, _) => random.Next(256));
        var frames = new[]
        {
            Gray(width, height, (x, y) => (x * 255 / (width - 1)) ^ (y & 1)),
            noise,
            Gray(width, height, (x, y) => x < width / 2 ? y * 255 / (height - 1) : random.Next(256)),
            Gray(width, height, (_, _) => 0),
            Gray(width, height, (x, y) => ((x / 3) + (y / 5)) % 2 == 0 ? 255 : 17),
            Gray(width, height, (x, y) => (x * y) % 256),
        };

        var gif = GifEncoder.EncodeAnimation(frames, 40);

        // The noise frame alone has more distinct pairs than the 4096-code table holds, so it forces a clear code
        // mid-image; the round trip below therefore also covers the table reset.
        var lzw = new GifEncoder.LzwEncoder();
        lzw.Compress(noise.Pixels, 8, new GifEncoder.ByteBuffer(0));
        Assert.True(lzw.TableResets > 0, "the noise frame should fill the LZW table");

        var decoded = Decode(gif);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal(frames.Length, decoded.Frames.Count);
        Assert.All(decoded.Durations, d => Assert.Equal(40, d));
        Assert.Equal(-1, decoded.RepetitionCount); // infinite
        for (var f = 0; f < frames.Length; f++)
        {
            var rgba = decoded.Frames[f];
            var gray = new byte[width * height];
            for (var i = 0; i < gray.Length; i++)
            {
                Assert.Equal(rgba[i * 4], rgba[(i * 4) + 1]);
                Assert.Equal(rgba[i * 4], rgba[(i * 4) + 2]);
                Assert.Equal(255, rgba[(i * 4) + 3]);
                gray[i] = rgba[i * 4];
            }

            Assert.True(frames[f].Pixels.AsSpan().SequenceEqual(gray), $"frame {f} differs after the round trip");
        }
    }

    [Fact]
    public void Rgb_frames_decode_to_the_nearest_palette_colour()
    {
        const int width = 70, height = 45;
        var random = new Random(99);
        var frames = new[]
        {
            Rgb(width, height, (_, _, _) => random.Next(256)),
            Rgb(width, height, (x, y, c) => c switch { 0 => x * 255 / (width - 1), 1 => y * 255 / (height - 1), _ => 128 }),
            Rgb(width, height, (x, y, _) => (x + y) * 2), // gray ramp: r == g == b
            Rgb(width, height, (x, y, c) => ((x + (y * 3) + c) % 6) * 51), // exact cube colours
        };

        var gif = GifEncoder.EncodeAnimation(frames, 100, loop: false);

        var decoded = Decode(gif);
        Assert.Equal(frames.Length, decoded.Frames.Count);
        Assert.All(decoded.Durations, d => Assert.Equal(100, d));
        Assert.Equal(0, decoded.RepetitionCount); // no NETSCAPE2.0 extension: play once

        var palette = GifEncoder.RgbPaletteEntries.ToArray();
        Assert.Equal(256, palette.Chunk(3).Select(p => (p[0], p[1], p[2])).Distinct().Count());

        // Half the cube step on each channel: no colour is farther than this from its nearest cube entry.
        var maxDistance = Math.Sqrt(3) * 25.5;
        for (var f = 0; f < frames.Length; f++)
        {
            var source = frames[f].Pixels;
            var rgba = decoded.Frames[f];
            for (var i = 0; i < width * height; i++)
            {
                int r = source[i * 3], g = source[(i * 3) + 1], b = source[(i * 3) + 2];
                int dr = rgba[i * 4], dg = rgba[(i * 4) + 1], db = rgba[(i * 4) + 2];

                // Brute force over the whole palette, independent of the encoder's shortcut through the cube.
                var best = int.MaxValue;
                for (var p = 0; p < 256; p++)
                {
                    best = Math.Min(best, Square(r - palette[p * 3]) + Square(g - palette[(p * 3) + 1]) + Square(b - palette[(p * 3) + 2]));
                }

                var got = Square(r - dr) + Square(g - dg) + Square(b - db);
                Assert.True(got <= best, $"frame {f} pixel {i}: ({r},{g},{b}) became ({dr},{dg},{db}), but a palette colour {Math.Sqrt(best):F1} away exists");
                Assert.InRange(Math.Sqrt(got), 0, maxDistance);

                if (f == 2)
                {
                    // Grays stay gray and, thanks to the extra gray ramp, within 3 levels.
                    Assert.True(dr == dg && dg == db, $"gray ({r}) became ({dr},{dg},{db})");
                    Assert.InRange(Math.Abs(dr - r), 0, 3);
                }
                else if (f == 3)
                {
                    Assert.Equal((r, g, b), (dr, dg, db));
                }
            }
        }
    }

    [Fact]
    public void A_single_frame_is_a_valid_gif()
    {
        var frame = Gray(13, 7, (x, y) => (x * 19) + (y * 3));

        var gif = GifEncoder.EncodeAnimation([frame], 500);

        var decoded = Decode(gif);
        Assert.Single(decoded.Frames);
        Assert.Equal(frame.Pixels, decoded.Frames[0].Where((_, i) => i % 4 == 0).ToArray());
    }

    [Fact]
    public void A_one_pixel_frame_is_a_valid_gif()
    {
        var gif = GifEncoder.EncodeAnimation([Gray(1, 1, (_, _) => 200), Gray(1, 1, (_, _) => 7)], 50);

        var decoded = Decode(gif);
        Assert.Equal([200, 200, 200, 255], decoded.Frames[0]);
        Assert.Equal([7, 7, 7, 255], decoded.Frames[1]);
    }

    [Theory]
    [InlineData(0, 20)] // below 20 ms browsers would play 100 ms, so it is raised
    [InlineData(10, 20)]
    [InlineData(20, 20)]
    [InlineData(44, 40)] // GIF stores hundredths: rounded
    [InlineData(45, 50)]
    [InlineData(1000, 1000)]
    [InlineData(GifEncoder.MaxFrameDelayMilliseconds, GifEncoder.MaxFrameDelayMilliseconds)]
    public void Delay_is_rounded_to_hundredths_and_at_least_20_ms(int requested, int expected)
    {
        var frames = new[] { Gray(9, 9, (x, _) => x), Gray(9, 9, (_, y) => y) };

        var decoded = Decode(GifEncoder.EncodeAnimation(frames, requested));

        Assert.Equal([expected, expected], decoded.Durations);
    }

    [Fact]
    public void Stream_structure_is_well_formed()
    {
        var random = new Random(5);
        var frames = Enumerable.Range(0, 3).Select(_ => Gray(200, 150, (_, _) => random.Next(256))).ToArray();

        var gif = GifEncoder.EncodeAnimation(frames, 40);

        Assert.Equal("GIF89a"u8.ToArray(), gif[..6]);
        Assert.Equal(0xF7, gif[10]); // global colour table of 256 entries
        var position = 13 + (256 * 3);
        int images = 0, extensions = 0, fullBlocks = 0;
        while (gif[position] != 0x3B)
        {
            switch (gif[position])
            {
                case 0x21:
                    extensions++;
                    position += 2;
                    break;
                case 0x2C:
                    images++;
                    Assert.Equal(200, gif[position + 5] | (gif[position + 6] << 8));
                    Assert.Equal(150, gif[position + 7] | (gif[position + 8] << 8));
                    Assert.Equal(8, gif[position + 10]); // LZW minimum code size
                    position += 11;
                    break;
                default:
                    Assert.Fail($"unexpected block 0x{gif[position]:X2} at {position}");
                    break;
            }

            // Sub-blocks up to the zero-length terminator; a wrong length byte derails this walk.
            while (gif[position] != 0)
            {
                fullBlocks += gif[position] == 255 ? 1 : 0;
                position += gif[position] + 1;
            }

            position++;
        }

        Assert.Equal(gif.Length - 1, position); // the trailer is the last byte
        Assert.Equal(3, images);
        Assert.Equal(1 + 3, extensions); // NETSCAPE2.0 + one Graphic Control Extension per frame
        Assert.True(fullBlocks > 3 * 100, $"noise should fill many 255-byte sub-blocks, saw {fullBlocks}");
    }

    [Fact]
    public void Invalid_arguments_are_rejected_with_a_reason()
    {
        var frame = Gray(8, 8, (x, y) => x + y);

        Assert.Throws<ArgumentNullException>(() => GifEncoder.EncodeAnimation(null!, 40));
        Assert.Contains("at least one frame", Assert.Throws<ArgumentException>(() => GifEncoder.EncodeAnimation([], 40)).Message);
        Assert.Contains("frame 1 is 8x9x1", Assert.Throws<ArgumentException>(
            () => GifEncoder.EncodeAnimation([frame, Gray(8, 9, (_, _) => 0)], 40)).Message);
        Assert.Contains("frame 2 is 8x8x3", Assert.Throws<ArgumentException>(
            () => GifEncoder.EncodeAnimation([frame, frame, Rgb(8, 8, (_, _, _) => 0)], 40)).Message);
        Assert.Contains("frame 1 is null", Assert.Throws<ArgumentException>(() => GifEncoder.EncodeAnimation([frame, null!], 40)).Message);
        Assert.Contains("frame delay", Assert.Throws<ArgumentOutOfRangeException>(() => GifEncoder.EncodeAnimation([frame], -1)).Message);
        Assert.Contains("frame delay", Assert.Throws<ArgumentOutOfRangeException>(
            () => GifEncoder.EncodeAnimation([frame], GifEncoder.MaxFrameDelayMilliseconds + 1)).Message);
    }

    [Fact]
    public void The_longest_gray_interpolation_round_trips()
    {
        // The endpoint's worst case: 120 frames of 256x256 blending between two noisy images.
        const int size = 256, count = 120;
        var random = new Random(7);
        var from = Gray(size, size, (x, y) => ((x + y) / 2) ^ random.Next(32));
        var to = Gray(size, size, (x, y) => (255 - x) ^ random.Next(32));
        var frames = Enumerable.Range(0, count).Select(f => new PixelImage(size, size, 1, from.Pixels
            .Zip(to.Pixels, (a, b) => (byte)(a + ((b - a) * f / (count - 1)))).ToArray())).ToArray();

        // Its speed is a benchmark's business (bench-generate), not a unit test's; here it must be right.
        var gif = GifEncoder.EncodeAnimation(frames, 40);
        output.WriteLine($"{count} frames {size}x{size}: {gif.Length / 1024} KiB");

        var decoded = Decode(gif);
        Assert.Equal(count, decoded.Frames.Count);
        Assert.Equal(frames[^1].Pixels, decoded.Frames[^1].Where((_, i) => i % 4 == 0).ToArray());
    }

    private static int Square(int value) => value * value;

    private static PixelImage Gray(int width, int height, Func<int, int, int> value)
    {
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = (byte)Math.Clamp(value(x, y), 0, 255);
            }
        }

        return new PixelImage(width, height, 1, pixels);
    }

    private static PixelImage Rgb(int width, int height, Func<int, int, int, int> value)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[(((y * width) + x) * 3) + c] = (byte)Math.Clamp(value(x, y, c), 0, 255);
                }
            }
        }

        return new PixelImage(width, height, 3, pixels);
    }

    private sealed record DecodedGif(int Width, int Height, int RepetitionCount, int[] Durations, List<byte[]> Frames);

    /// <summary>Every frame as RGBA, decoded by Skia (an independent GIF decoder).</summary>
    private static DecodedGif Decode(byte[] gif)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(gif));
        Assert.NotNull(codec);
        Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var frames = new List<byte[]>();
        for (var index = 0; index < codec.FrameCount; index++)
        {
            var pixels = new byte[info.BytesSize];
            var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
            try
            {
                Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, handle.AddrOfPinnedObject(), new SKCodecOptions(index)));
            }
            finally
            {
                handle.Free();
            }

            frames.Add(pixels);
        }

        return new DecodedGif(info.Width, info.Height, codec.RepetitionCount, codec.FrameInfo.Select(f => f.Duration).ToArray(), frames);
    }
}
