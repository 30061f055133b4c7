namespace GanService.Domain.Imaging;

/// <summary>How a non-square image becomes the square a GAN trains on.</summary>
public enum FitMode
{
    /// <summary>Keep the whole image and fill the short side with the paper colour.</summary>
    Pad,

    /// <summary>Keep the centred square; whatever sticks out on the long side is lost.</summary>
    Crop,

    /// <summary>Scale both axes independently; nothing is lost, proportions are.</summary>
    Stretch,
}
