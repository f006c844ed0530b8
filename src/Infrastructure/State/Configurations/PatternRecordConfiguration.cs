using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class PatternRecordConfiguration : IEntityTypeConfiguration<PatternRecord>
{
    public void Configure(EntityTypeBuilder<PatternRecord> builder)
    {
        builder.ToTable("migration_pattern");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(p => p.Pattern).HasColumnName("pattern").HasMaxLength(16).HasConversion<PatternWireConverter>().IsRequired();
        builder.Property(p => p.Version).HasColumnName("version").IsConcurrencyToken();
        builder.Property(p => p.ChangedAtMs).HasColumnName("changed_at");
        builder.Property(p => p.ChangedBy).HasColumnName("changed_by").HasMaxLength(200);
        builder.Property(p => p.Forced).HasColumnName("forced");
        builder.Property(p => p.ForcedBy).HasColumnName("forced_by").HasMaxLength(200);
    }
}
