using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class SweepCheckpointRowConfiguration : IEntityTypeConfiguration<SweepCheckpointRow>
{
    public void Configure(EntityTypeBuilder<SweepCheckpointRow> builder)
    {
        builder.ToTable("run_sweep_checkpoints");
        builder.HasKey(c => new { c.Kind, c.Table });
        builder.Property(c => c.Kind).HasMaxLength(20);
        builder.Property(c => c.Table).HasMaxLength(128);
        builder.Property(c => c.Cursor).HasMaxLength(2000);
    }
}
