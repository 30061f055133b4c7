using GanService.Domain.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Domain.Tests.Gan;

[Collection(TorchCollection.Name)]
public class OptimizerStepTests
{
    [Fact]
    public void Non_finite_gradients_skip_the_step()
    {
        using var layer = nn.Linear(3, 1);
        var optimizer = optim.Adam(layer.parameters(), 0.1);
        using (var scope = NewDisposeScope())
            layer.forward(ones(2, 3)).sum().backward();
        Assert.True(OptimizerStep.GradientsAreFinite(layer.parameters()));

        using (no_grad())
            layer.weight!.grad![0, 1] = float.NaN;
        Assert.False(OptimizerStep.GradientsAreFinite(layer.parameters()));
        using var before = layer.weight!.detach().clone();
        Assert.False(OptimizerStep.StepIfFinite(optimizer, layer.parameters()));
        Assert.True(before.eq(layer.weight!.detach()).all().ToBoolean());

        using (var scope = NewDisposeScope())
            layer.forward(ones(2, 3)).sum().backward();
        Assert.True(OptimizerStep.StepIfFinite(optimizer, layer.parameters()));
        Assert.False(before.eq(layer.weight!.detach()).all().ToBoolean());
    }
}
