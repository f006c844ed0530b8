using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class JournalCursorRowConfiguration : IEntityTypeConfiguration<JournalCursorRow>
{
    public void Configure(EntityTypeBuilder<JournalCursorRow> builder)
    {
        builder.ToTable("run_journal_cursors");
        builder.HasKey(c => new { c.RunId, c.Table, c.Side });
        builder.Property(c => c.Table).HasColumnName("table_name").HasMaxLength(128);
        builder.Property(c => c.Side).HasColumnName("side").HasMaxLength(3);
        builder.Property(c => c.RunId).HasColumnName("run_id");
        builder.Property(c => c.Seq).HasColumnName("seq");
        builder.Property(c => c.SavedAtMs).HasColumnName("saved_at");
    }
}
