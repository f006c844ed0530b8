using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class RunCheckpointRowConfiguration : IEntityTypeConfiguration<RunCheckpointRow>
{
    public void Configure(EntityTypeBuilder<RunCheckpointRow> builder)
    {
        builder.ToTable("run_checkpoints");
        builder.HasKey(c => c.Kind);
        builder.Property(c => c.Kind).HasMaxLength(20);
        builder.Property(c => c.Table).HasMaxLength(64);
        builder.Property(c => c.BaseSide).HasMaxLength(3);
        builder.Property(c => c.Status).HasMaxLength(20);
        builder.Property(c => c.LastError).HasMaxLength(2000);
    }
}
