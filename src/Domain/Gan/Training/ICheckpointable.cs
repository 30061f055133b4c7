namespace GanService.Domain.Gan.Training;

/// <summary>A piece of training state that writes itself into, and reads itself back from, a checkpoint section.</summary>
public interface ICheckpointable
{
    void Save(BinaryWriter writer);
    void Load(BinaryReader reader);
}
