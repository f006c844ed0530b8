using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Migration.Domain;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class ConflictRecordConfiguration : IEntityTypeConfiguration<ConflictRecord>
{
    public void Configure(EntityTypeBuilder<ConflictRecord> builder)
    {
        builder.ToTable("migration_conflicts");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(c => c.Table).HasColumnName("table_name").HasMaxLength(128).IsRequired();
        builder.Property(c => c.Key).HasColumnName("row_key").HasMaxLength(512).IsRequired();
        builder.Property(c => c.BaseSide).HasColumnName("base_side").HasMaxLength(3)
            .HasConversion(side => side.ToWire(), wire => wire == "DST" ? Direction.Dst : Direction.Src).IsRequired();
        builder.Property(c => c.BaseVersion).HasColumnName("base_version");
        builder.Property(c => c.OtherVersion).HasColumnName("other_version");
        builder.Property(c => c.Reason).HasColumnName("reason").HasMaxLength(1000).IsRequired();
        builder.Property(c => c.EventId).HasColumnName("event_id");
        builder.Property(c => c.DetectedAtMs).HasColumnName("detected_at");
        builder.Property(c => c.ResolvedAtMs).HasColumnName("resolved_at");
        builder.Property(c => c.Resolution).HasColumnName("resolution").HasMaxLength(200);
        // Open conflicts of a row (resolve after a repair), and the open count.
        builder.HasIndex(c => new { c.ResolvedAtMs, c.Table, c.Key });
    }
}
