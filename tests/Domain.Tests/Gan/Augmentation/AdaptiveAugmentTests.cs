using GanService.Domain.Gan.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan.Augmentation;

public class AdaptiveAugmentTests
{
    [Fact]
    public void P_rises_by_batch_times_interval_over_images_when_D_overfits()
    {
        using var scope = NewDisposeScope();
        var ada = new AdaptiveAugment(new AdaptiveAugmentOptions { ImagesToFull = 1000 });
        var overfit = full(new long[] { 10, 1 }, 3.0f); // sign(D(real)) = +1 > 0.6
        Assert.False(ada.Update(overfit));
        Assert.False(ada.Update(overfit));
        Assert.False(ada.Update(overfit));
        Assert.Equal(0.0, ada.P);
        Assert.True(ada.Update(overfit));
        Assert.Equal(10 * 4 / 1000.0, ada.P, 15);
        Assert.Equal(1.0, ada.LastRt);
        for (var i = 0; i < 4 * 30; i++) ada.Update(overfit);
        Assert.Equal(1.0, ada.P); // clamped
    }

    [Fact]
    public void P_falls_when_D_does_not_overfit_and_never_goes_below_zero()
    {
        using var scope = NewDisposeScope();
        var ada = new AdaptiveAugment(new AdaptiveAugmentOptions { ImagesToFull = 1000, InitialP = 0.5 });
        // 5 of 10 logits positive: r_t = 0 < 0.6.
        var balanced = tensor(new float[] { 1, 2, 3, 4, 5, -1, -2, -3, -4, -5 });
        for (var i = 0; i < 4; i++) ada.Update(balanced);
        Assert.Equal(0.5 - 0.04, ada.P, 15);
        Assert.Equal(0.0, ada.LastRt);
        for (var i = 0; i < 4 * 20; i++) ada.Update(balanced);
        Assert.Equal(0.0, ada.P);
        // r_t is averaged over the interval: 0.5 (below target) then 1.0 (above): mean 0.75 -> p rises.
        var ada2 = new AdaptiveAugment(new AdaptiveAugmentOptions { ImagesToFull = 1000, Interval = 2 });
        ada2.Update(tensor(new float[] { 1, 1, 1, -1 }));
        ada2.Update(tensor(new float[] { 1, 1, 1, 1 }));
        Assert.Equal(0.75, ada2.LastRt, 15);
        Assert.Equal(4 * 2 / 1000.0, ada2.P, 15);
    }

    [Fact]
    public void Default_speed_takes_p_from_0_to_1_in_2000_iterations_at_batch_32()
    {
        var ada = new AdaptiveAugment();
        var its = 0;
        while (ada.P < 1.0 && its < 10_000) { ada.Update(32, 32, 32); its++; }
        Assert.InRange(its, 1996, 2004);
        var fromIterations = new AdaptiveAugment(AdaptiveAugmentOptions.ForIterationsToFull(1000, 16));
        for (var i = 0; i < 500; i++) fromIterations.Update(16, 16, 16);
        Assert.Equal(0.5, fromIterations.P, 9);
    }

    [Fact]
    public void State_round_trips_including_a_partial_interval()
    {
        var a = new AdaptiveAugment(new AdaptiveAugmentOptions { ImagesToFull = 500 });
        for (var i = 0; i < 6; i++) a.Update(8, 8, 8); // one adjustment + 2 steps accumulated
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) a.Save(w);
        var b = new AdaptiveAugment(new AdaptiveAugmentOptions { ImagesToFull = 500 });
        ms.Position = 0;
        using (var r = new BinaryReader(ms)) b.Load(r);
        Assert.Equal(a.P, b.P);
        Assert.Equal(a.Adjustments, b.Adjustments);
        for (var i = 0; i < 2; i++) { a.Update(8, 8, 8); b.Update(8, 8, 8); }
        Assert.Equal(a.P, b.P);
        Assert.Equal(2, b.Adjustments);
    }
}
