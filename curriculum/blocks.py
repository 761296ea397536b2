"""The grains a module page is made of: short, one idea each."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_TEXT_FEATURES = ["h3", "bold", "italic", "ol", "ul", "link"]


class TextBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="titre", required=False)
    text = blocks.RichTextBlock(label="texte", features=RICH_TEXT_FEATURES)

    class Meta:
        label = "Texte"
        icon = "pilcrow"
        template = "curriculum/blocks/text_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="image")
    alt_text = blocks.CharBlock(
        label="texte alternatif",
        help_text="Ce que montre l'image, pour qui ne la voit pas.",
    )
    caption = blocks.CharBlock(label="légende", required=False)

    class Meta:
        label = "Image"
        icon = "image"
        template = "curriculum/blocks/image_block.html"


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="titre")
    video = DocumentChooserBlock(label="fichier vidéo", required=False)
    url = blocks.URLBlock(label="ou adresse de la vidéo", required=False)
    transcript = blocks.RichTextBlock(
        label="transcription", features=RICH_TEXT_FEATURES
    )

    class Meta:
        label = "Vidéo (avec transcription)"
        icon = "media"
        template = "curriculum/blocks/video_block.html"


class NoPanicBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="titre", default="Pas de panique")
    text = blocks.TextBlock(label="ce qu'on peut faire si ça s'est mal passé")

    class Meta:
        label = "Pas de panique"
        icon = "help"
        template = "curriculum/blocks/no_panic_block.html"


class ProcedureBlock(blocks.StructBlock):
    procedure = SnippetChooserBlock("curriculum.Procedure", label="démarche")

    class Meta:
        label = "Fiche démarche"
        icon = "form"
        template = "curriculum/blocks/procedure_block.html"


class StepsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="titre")
    steps = blocks.ListBlock(blocks.CharBlock(label="étape"), label="étapes")

    class Meta:
        label = "Étapes"
        icon = "list-ol"
        template = "curriculum/blocks/steps_block.html"


class GlossaryBlock(blocks.StructBlock):
    term = blocks.CharBlock(label="mot")
    definition = blocks.TextBlock(label="définition")

    class Meta:
        label = "Mot du glossaire"
        icon = "doc-full"
        template = "curriculum/blocks/glossary_block.html"


class FindHelpBlock(blocks.StructBlock):
    title = blocks.CharBlock(
        label="titre", default="Trouver de l'aide près de chez toi"
    )
    text = blocks.TextBlock(label="qui peut aider pour ce module")

    class Meta:
        label = "Trouver de l'aide"
        icon = "site"
        template = "curriculum/blocks/find_help_block.html"


class ModuleBodyBlock(blocks.StreamBlock):
    text = TextBlock()
    image = ImageBlock()
    video = VideoBlock()
    no_panic = NoPanicBlock()
    procedure = ProcedureBlock()
    steps = StepsBlock()
    glossary = GlossaryBlock()
    find_help = FindHelpBlock()
