package dev.nightjar.workflow;

import java.io.IOException;
import java.io.StringReader;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.transform.Source;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Oozie's own XML schemas, read from the oozie-client jar (test scope): workflow 1.0 with the
 * Spark action 1.0 and SLA 0.2 (so the {@code xs:any} action body is checked strictly, not skipped),
 * and coordinator 0.5.
 */
final class OozieSchemas {
  private static final String[] WORKFLOW = {"oozie-workflow-1.0.xsd", "spark-action-1.0.xsd", "oozie-sla-0.2.xsd"};
  private static final String[] COORDINATOR = {"oozie-coordinator-0.5.xsd", "oozie-sla-0.2.xsd"};

  private OozieSchemas() {}

  /** Every schema error in a workflow definition, as "line N: message"; empty when valid. */
  static List<String> workflowErrors(String xml) {
    return errors(WORKFLOW, xml);
  }

  static List<String> coordinatorErrors(String xml) {
    return errors(COORDINATOR, xml);
  }

  private static List<String> errors(String[] xsds, String xml) {
    List<String> errors = new ArrayList<>();
    try {
      Validator v = schema(xsds).newValidator();
      v.setErrorHandler(
          new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {}

            @Override
            public void error(SAXParseException e) {
              errors.add("line " + e.getLineNumber() + ": " + e.getMessage());
            }

            @Override
            public void fatalError(SAXParseException e) {
              error(e);
            }
          });
      v.validate(new StreamSource(new StringReader(xml)));
    } catch (SAXException e) {
      if (errors.isEmpty()) {
        errors.add(e.getMessage());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return errors;
  }

  private static Schema schema(String[] xsds) throws SAXException {
    SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
    Source[] sources = new Source[xsds.length];
    for (int i = 0; i < xsds.length; i++) {
      URL url = OozieSchemas.class.getClassLoader().getResource(xsds[i]);
      if (url == null) {
        throw new IllegalStateException(xsds[i] + " not on the test classpath (org.apache.oozie:oozie-client)");
      }
      // The system id lets the XSD's xs:include of oozie-common-1.0.xsd resolve inside the jar.
      sources[i] = new StreamSource(url.toExternalForm());
    }
    return f.newSchema(sources);
  }
}
